from django.db import models


class Probe(models.Model):
    # added by migration 0002: one column with a default and an index (the benchmark's
    # "real migration" for every tenant)
    label = models.CharField(max_length=40, default="new", db_index=True)

    def __str__(self) -> str:
        return self.label
