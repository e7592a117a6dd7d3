#include "tests/integration/client.h"
int main(void){return 0;}
