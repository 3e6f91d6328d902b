"""Login security: failed admin and token logins are counted and locked out (django-axes),
per tenant; the token login endpoint ``POST /api/v1/auth/token/``."""
