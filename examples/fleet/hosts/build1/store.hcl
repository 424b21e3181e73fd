# build1 (role builder): its store on the data pool, and the older release line only this host
# still builds.

store {
  dataset    = "tank/axiom"
  mountpoint = "/axiom"
}

profile "legacy" {
  description = "The older release branch, built with the tools it shipped with"

  package "bash" { version = "5.1.16" } # with readline 8.1
  package "git" { version = "~2.43" }
  package "python" { version = "~3.11" }
  package "gcc" { version = "^13.0.0" }
  package "make" { version = ">=4.0.0" }
}

environment "legacy" {
  profile         = "legacy"
  prevent_destroy = true
}
