"""This site's web overrides: templates in ``templates/``, assets in ``static/``."""
