# Role "builder": build hosts. A pinned toolchain in two environments (one for day-to-day builds,
# one for releases, kept longer), and a GC that keeps up with continuous imports.

profile "toolchain" {
  description = "The pinned compiler toolchain every build uses"

  package "gcc" { version = "13.2.0" }
  package "make" { version = "~4.4" }
  package "bash" { version = "^5.2" }
}

environment "base" {
  profile          = "base"
  keep_generations = 5
  prevent_destroy  = true
}

environment "toolchain" {
  profile          = "toolchain"
  keep_generations = 3
}

environment "release" {
  profile          = "toolchain"
  keep_generations = 10
  prevent_destroy  = true
}

gc {
  grace_period = "48h"
  max_deletes  = 50
}
