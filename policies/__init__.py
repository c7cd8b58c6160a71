"""Access policies as data (Casbin model and policy files) and the decision point."""
