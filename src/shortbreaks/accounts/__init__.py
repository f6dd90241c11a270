"""Accounts: users, organisations, memberships, sign-in, sessions, tokens."""
