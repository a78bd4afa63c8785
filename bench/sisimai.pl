#!/usr/bin/perl
# Decodes every bounce in a Maildir-like directory (or an mbox) with Debian's
# Perl sisimai and prints the results as JSON, like `bouncewhy decode` does.
# Usage: sisimai.pl PATH
use strict;
use warnings;
use Sisimai;

my $path = shift // die "usage: $0 PATH\n";
print Sisimai->dump($path) // '[]', "\n";
