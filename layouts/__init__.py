"""Pure builders: DataFrames in, figures and component trees out. Nothing here touches the store."""
