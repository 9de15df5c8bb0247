/* Stands in for a layer that has no sources yet, so the build graph stays
 * the same while the tree grows. */
typedef int tk_empty_layer_unused;
