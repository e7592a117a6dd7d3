#!/bin/sh
# share/examples2c.sh FILE...: the example templates (share/templates/*.xml) as C strings
# (lib/template_examples_data.h), so that the handlers and portico-admin install the very set
# this build ships, wherever they run (lib/template_examples.c).
echo '/* generated from share/templates/ by share/examples2c.sh */'
echo 'static const struct template_example template_examples_data[] = {'
for f in "$@"; do
  printf '    { "%s",\n' "$(basename "$f")"
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/      "/' -e 's/$/\\n"/' "$f"
  echo '    },'
done
echo '};'
