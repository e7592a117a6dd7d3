/* provision: see provision.h */
#include "provision.h"
typedef int provision_placeholder;
