using Xunit;

// libtorch has one global random generator: models initialised or trained with dropout in parallel test classes
// would draw from it in turn, so seeded runs (resumption, same-seed tests) would stop being reproducible. On two
// cores, where libtorch already uses both, running the classes one after another costs little.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
