store {
  dataset    = ["zroot", "axiom"] # ERROR: Incorrect attribute value type
  mountpoint = null               # ERROR: Null value
}

source "s" {
  path = { dir = "." } # ERROR: Incorrect attribute value type
}

profile "p" {
  description = ["not", "a", "string"] # ERROR: Incorrect attribute value type
  package "bash" {
    version = ["^5"] # ERROR: Incorrect attribute value type
  }
}

environment "e" {
  profile          = "p"
  keep_generations = "three" # ERROR: Incorrect attribute value type
  prevent_destroy  = "yes"   # ERROR: Incorrect attribute value type
  conflict_policy  = 3       # ERROR: Incorrect attribute value type
}

environment "f" {
  profile = true # ERROR: Incorrect attribute value type
}

environment "g" {
  profile = var.profile # ERROR: Variables not allowed
}

gc {
  max_deletes  = "many" # ERROR: Incorrect attribute value type
  grace_period = 3600   # ERROR: Incorrect attribute value type
}
