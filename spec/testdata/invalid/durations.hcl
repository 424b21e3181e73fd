store {
  dataset = "zroot/axiom"
}

gc {
  grace_period = "-24h" # ERROR: Invalid duration
}

gc { # ERROR: Duplicate gc block
  grace_period = "7 days" # ERROR: Invalid duration
}

gc { # ERROR: Duplicate gc block
  grace_period = "1.5d" # ERROR: Invalid duration
}

gc { # ERROR: Duplicate gc block
  grace_period = "" # ERROR: Invalid duration
}
