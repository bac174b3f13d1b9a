package satisfaction

// DefinitionCache: placeholder, replaced by the collection helper. Invalidate(code) must be
// called after any change to a survey (questions, status, metadata, links).
type DefinitionCache struct{}

// NewDefinitionCache builds an empty cache.
func NewDefinitionCache() *DefinitionCache { return &DefinitionCache{} }

// Invalidate forgets the cached definition of the survey with code.
func (c *DefinitionCache) Invalidate(code string) {}
