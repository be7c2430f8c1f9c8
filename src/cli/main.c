/* SPDX-License-Identifier: MIT */
#include <stdio.h>
int main(void)
{
	puts("hull " HULL_VERSION);
	return 0;
}
