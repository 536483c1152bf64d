// Lineage node ids are unique (Neo4j 4.4 and later).
CREATE CONSTRAINT lineage_node_id IF NOT EXISTS FOR (n:LineageNode) REQUIRE n.id IS UNIQUE
