DROP TABLE search_queries;
