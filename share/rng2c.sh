#!/bin/sh
# share/rng2c.sh SCHEMA: the template schema as a C string (lib/template_rng.h), for the build
# (Makefile.am) and the fuzzers (dev.sh fuzz).
echo '/* generated from share/template.rng by share/rng2c.sh */'
echo 'static const char template_rng[] ='
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$/\\n"/' "$1"
echo ';'
