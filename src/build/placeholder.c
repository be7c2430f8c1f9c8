/* placeholder until the module lands */
extern int hull_placeholder_build;
