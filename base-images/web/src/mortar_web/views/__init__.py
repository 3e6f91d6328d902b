"""Views of the public site: pages, contact form, preview, SEO files, health, errors."""
