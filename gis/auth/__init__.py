"""Users, roles, password hashing and signed bearer tokens (OAuth2 password flow)."""
