package retention

// Change ids of the FamilyRetention workflow, oldest first, will be listed here: the one
// registry of its workflow.GetVersion ids. There are none yet (the workflow is as first
// deployed). Every change to deployed logic adds an id here and branches on
// workflow.GetVersion, so that runs recorded by older code replay on newer workers.
