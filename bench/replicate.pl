#!/usr/bin/perl
# Replicates a directory of email files COPIES times into OUT_DIR (flat, so
# every tool can read it) and into one mbox file at OUT_MBOX.
# Usage: replicate.pl CORPUS_DIR COPIES OUT_DIR OUT_MBOX
use strict;
use warnings;

my ($corpus, $copies, $out_dir, $out_mbox) = @ARGV;
die "usage: $0 CORPUS_DIR COPIES OUT_DIR OUT_MBOX\n" unless defined $out_mbox;
opendir(my $dh, $corpus) or die "cannot read $corpus: $!\n";
my @names = sort grep { !/^\./ && -f "$corpus/$_" } readdir $dh;
closedir $dh;
mkdir $out_dir;
open(my $mbox, '>:raw', $out_mbox) or die "cannot write $out_mbox: $!\n";
for my $copy (1 .. $copies) {
    for my $name (@names) {
        open(my $in, '<:raw', "$corpus/$name") or die "cannot read $corpus/$name: $!\n";
        my $raw = do { local $/; <$in> };
        close $in;
        my $target = sprintf('%s/%02d-%s', $out_dir, $copy, $name);
        open(my $out, '>:raw', $target) or die "cannot write $target: $!\n";
        print {$out} $raw;
        close $out;
        # A file that already starts with an mbox separator loses it: every
        # message gets the same synthetic one.
        $raw =~ s/\AFrom [^\n]*\n//;
        $raw =~ s/^(>*From )/>$1/mg;
        $raw .= "\n" unless $raw =~ /\n\z/;
        print {$mbox} "From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n", $raw, "\n";
    }
}
close $mbox;
