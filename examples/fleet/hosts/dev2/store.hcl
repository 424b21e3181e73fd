# dev2 (role devbox, the canary of the roll-out playbook): its store, an admin environment and a
# rescue environment with a profile only this host has.

store {
  dataset    = "zroot/axiom"
  mountpoint = "/axiom"
}

environment "admin" {
  profile          = "admin"
  keep_generations = 5
}

environment "rescue" {
  profile          = "rescue"
  conflict_policy  = "priority"
  keep_generations = 2
}

profile "rescue" {
  description = "Minimal tools that work when little else does"

  # vim and busybox both ship bin/vi: with conflict_policy "priority" the package declared
  # first wins, so bin/vi is vim's and busybox provides the rest.
  package "vim" { version = "^9.0" }
  package "busybox" {}
}
