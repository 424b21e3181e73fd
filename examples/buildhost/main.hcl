# A build host: several environments built from overlapping profiles, so the store holds one
# copy of gcc, make or zlib however many environments use it.

store {
  dataset    = "tank/axiom"
  mountpoint = "/axiom"
}

source "samples" {
  path = "../packages"
}

gc {
  grace_period = "48h" # builds import packages continuously: give them two days
  max_deletes  = 50
}
