/*
** patient.h: the fast acceptance of a patient record (patient.c).
*/
#ifndef IFN_PATIENT_H
#define IFN_PATIENT_H

#include "lua.h"

/* registers core.patient_plain in the table on top of the stack */
void patient_open(lua_State *L);

#endif
