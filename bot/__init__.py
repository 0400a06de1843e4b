"""Mesa bot: runs Mesas Ejecutivas from chat."""
