"""Council short breaks entitlements: the services statement, its tiers and the eligibility checker."""
