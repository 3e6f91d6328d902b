"""Example site app: short notices (a banner line) per tenant, with admin, API and a task.

Delete this package, its line in ``SITE_APPS`` and its URL line when you don't need it.
"""
