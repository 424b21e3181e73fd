# Values are never converted to the type an argument takes: each of these would otherwise be
# accepted as something else than what was written.
store {
  dataset    = true # ERROR: Incorrect attribute value type
  mountpoint = 5    # ERROR: Incorrect attribute value type
}

source "s" {
  path = 1 # ERROR: Incorrect attribute value type
}

profile "p" {
  description = false # ERROR: Incorrect attribute value type
  package "git" {
    version = 2.40 # ERROR: Incorrect attribute value type
  }
  package "vim" {
    version = 1.10 # ERROR: Incorrect attribute value type
  }
  package "make" {
    version = 4 # ERROR: Incorrect attribute value type
  }
}

environment "e" {
  profile          = 5      # ERROR: Incorrect attribute value type
  keep_generations = "3"    # ERROR: Incorrect attribute value type
  prevent_destroy  = "true" # ERROR: Incorrect attribute value type
  conflict_policy  = true   # ERROR: Incorrect attribute value type
}

gc {
  max_deletes  = "7" # ERROR: Incorrect attribute value type
  grace_period = 0   # ERROR: Incorrect attribute value type
}
