# One host of a fleet: every host gets the same base, admin and application environments from
# this repository. Generations are kept for rollback, and GC is rate-limited.

store {
  dataset    = "zroot/axiom"
  mountpoint = "/axiom"
}

source "samples" {
  path = "../packages"
}

gc {
  grace_period = "7d" # never collect a package imported in the last week
  max_deletes  = 25   # a larger backlog is collected over several passes
}
