store {
  dataset = "zroot/axiom"
}

profile "p" {}

environment "a" {
  profile         = "p"
  conflict_policy = "prio" # ERROR: Invalid conflict policy
}

environment "b" {
  profile         = "p"
  conflict_policy = "keep_both" # ERROR: Invalid conflict policy
}

environment "c" {
  profile         = "p"
  conflict_policy = "Error" # ERROR: Invalid conflict policy
}
