"""Pipeline stages. Each is a function ``Document -> Document`` that fills its own part of the record."""
