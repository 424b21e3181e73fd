# Package names may contain '+', as upstream documents them and real packages are named.
store {
  dataset = "zroot/axiom"
}

profile "cxx" {
  package "libstdc++6" {}
  package "g++-12" { version = "^12.2" }
  package "dvd+rw-tools" {}
  package "gtk+" {}
}

environment "cxx" {
  profile = "cxx"
}
