/* drivers suite: being written */
#include "tests/unit/suites.h"
void suite_drivers(void) {}
