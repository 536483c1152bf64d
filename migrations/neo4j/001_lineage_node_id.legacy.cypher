// Lineage node ids are unique (Neo4j 3.5 to 4.3, which lack the FOR ... REQUIRE syntax).
CREATE CONSTRAINT ON (n:LineageNode) ASSERT n.id IS UNIQUE
