"""Deploy targets of a promotion (ECS)."""
