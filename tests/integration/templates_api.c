/* templates_api: being written */
#include "tests/integration/client.h"
#include "tests/integration/suites.h"
void suite_templates_api(void) {}
