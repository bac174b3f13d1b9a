package satisfaction

// DefinitionCache: placeholder, replaced by the collection helper.
type DefinitionCache struct{}

// NewDefinitionCache builds an empty cache.
func NewDefinitionCache() *DefinitionCache { return &DefinitionCache{} }
