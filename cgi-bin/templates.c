/* templates.fcgi: being written */
#include "lib/app.h"
static const struct route routes[] = { { "GET", "/api/v1/templates/placeholder", PERM_AUTHENTICATED, NULL, 0, "placeholder", "placeholder" } };
static const struct app the_app = { "templates", routes, 0, NULL };
int main(int argc, char **argv) { return app_main(&the_app, argc, argv); }
