#include <CUnit/CUnit.h>
#include "tests/unit/suites.h"
void suite_config(void) {}
