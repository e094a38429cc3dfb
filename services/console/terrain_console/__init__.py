"""The console: Terrain's web application, a client of the four services' HTTP APIs."""
