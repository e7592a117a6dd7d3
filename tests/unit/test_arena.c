#include <CUnit/CUnit.h>
#include "tests/unit/suites.h"
void suite_arena(void) {}
