"""Tenancy: Tenant/Domain models, host resolution, tenant-aware cache keys, media paths, tasks."""
