/*
 * provision: what the provisioning handler and the runner share (filled in below).
 */
#ifndef PORTICO_PROVISION_H
#define PORTICO_PROVISION_H
#endif
