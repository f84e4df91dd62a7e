"""Debriefs: reports attached to a case, each with its own labels, sealed to the readers'
desks; releases as recorded decisions; sanitised copies; STIX 2.1 exchange."""
