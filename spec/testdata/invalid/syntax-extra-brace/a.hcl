profile "a" {}
} # ERROR: Argument or block definition required

# The parser stops at the stray brace; this header is still read from the tokens.
profile "b" {}
