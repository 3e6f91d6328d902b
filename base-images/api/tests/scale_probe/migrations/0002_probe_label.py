from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scale_probe", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="probe",
            name="label",
            field=models.CharField(db_index=True, default="new", max_length=40),
        ),
    ]
