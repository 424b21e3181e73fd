# The store and profile "x" may be declared in the rest of a.hcl: neither is reported missing.
environment "e" {
  profile = "x"
}
