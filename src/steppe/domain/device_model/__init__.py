"""What stations report about themselves: components, variables and their attributes."""
