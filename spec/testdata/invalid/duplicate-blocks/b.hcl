store { # ERROR: Duplicate store block
  dataset = "tank/axiom"
}

gc { # ERROR: Duplicate gc block
  grace_period = "1h"
}
