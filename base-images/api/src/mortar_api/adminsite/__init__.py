"""The admin's look per tenant: the site's name as its title, only the site's languages
(in tabs, with their text direction) in translated forms. Listed before
``django.contrib.admin`` so its ``admin/base_site.html`` wins."""
