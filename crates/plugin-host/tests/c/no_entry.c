/* A shared library that is not a sluice plugin: no sluice_plugin_init. */
int not_a_plugin(void) { return 42; }
