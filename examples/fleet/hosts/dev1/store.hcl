# dev1 (role devbox): its store, and an admin environment for the people who look after it.

store {
  dataset    = "zroot/axiom"
  mountpoint = "/axiom"
}

environment "admin" {
  profile          = "admin"
  keep_generations = 5
}
